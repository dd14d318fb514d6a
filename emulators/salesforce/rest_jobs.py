"""REST handlers for Bulk API 2.0 ingest jobs and Metadata API deploys."""

from __future__ import annotations

import json
import re

from emulators.salesforce.api import ApiCall, Reply
from emulators.salesforce.bulk import BulkIngest
from emulators.salesforce.errors import bad_request, not_found
from emulators.salesforce.metadata import Deployer
from emulators.salesforce.multipart import parse_multipart


class JobRoutes:
    """Bulk ingest and deploy requests; mixed into RestApi."""

    bulk: BulkIngest
    deployer: Deployer

    async def job_create(self, call: ApiCall, match: re.Match[str]) -> Reply:
        if call.content_type.startswith("multipart/"):
            parts = {p.name: p for p in parse_multipart(call.body, call.content_type)}
            if "job" not in parts or "content" not in parts:
                raise bad_request("ClientInputError", "multipart needs job and content parts")
            job = self.bulk.create(json.loads(parts["job"].data), call.caller, call.version)
            self.bulk.upload(job.id, parts["content"].data)
            self.bulk.change_state(job.id, "UploadComplete")
        else:
            job = self.bulk.create(call.json() or {}, call.caller, call.version)
        return Reply(200, job.info())

    async def job_list(self, call: ApiCall, match: re.Match[str]) -> Reply:
        jobs = [
            j.info() for j in self.bulk.jobs.values() if j.caller.user_id == call.caller.user_id
        ]
        return Reply(200, {"done": True, "records": jobs, "nextRecordsUrl": None})

    async def job_info(self, call: ApiCall, match: re.Match[str]) -> Reply:
        return Reply(200, self.bulk.get(match["id"]).info())

    async def job_patch(self, call: ApiCall, match: re.Match[str]) -> Reply:
        state = (call.json() or {}).get("state")
        return Reply(200, self.bulk.change_state(match["id"], str(state)).info())

    async def job_delete(self, call: ApiCall, match: re.Match[str]) -> Reply:
        self.bulk.delete(match["id"])
        return Reply(204)

    async def job_upload(self, call: ApiCall, match: re.Match[str]) -> Reply:
        if not call.content_type.startswith("text/csv"):
            raise bad_request("ClientInputError", "Content-Type must be text/csv")
        self.bulk.upload(match["id"], call.body)
        return Reply(201)

    async def job_results(self, call: ApiCall, match: re.Match[str]) -> Reply:
        text = self.bulk.results(match["id"], match["kind"])
        return Reply(200, text, "text/csv")

    # --- metadata --------------------------------------------------------------------------
    async def deploy(self, call: ApiCall, match: re.Match[str]) -> Reply:
        if not call.content_type.startswith("multipart/"):
            raise bad_request("INVALID_MULTIPART_REQUEST", "a deploy is multipart: json + file")
        parts = {p.name: p for p in parse_multipart(call.body, call.content_type)}
        if "file" not in parts:
            raise bad_request("INVALID_MULTIPART_REQUEST", "the zip goes in the 'file' part")
        options = json.loads(parts["json"].data).get("deployOptions", {}) if "json" in parts else {}
        result = self.deployer.deploy(
            parts["file"].data, call.caller, check_only=bool(options.get("checkOnly"))
        )
        body = result.body(include_details=False)
        body["deployOptions"] = options
        body["url"] = f"/services/data/v{call.version}/metadata/deployRequest/{result.id}"
        return Reply(201, body)

    async def deploy_status(self, call: ApiCall, match: re.Match[str]) -> Reply:
        result = self.deployer.results.get(match["id"])
        if result is None:
            raise not_found()
        details = call.query.get("includeDetails", "false").lower() == "true"
        return Reply(200, result.body(include_details=details))
