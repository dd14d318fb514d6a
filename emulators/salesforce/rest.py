"""REST API under /services/data/vXX.X: one route table over the record, composite and job
handlers (describe, CRUD, upsert, SOQL, Collections, Composite, Bulk API 2.0, deploys)."""

from __future__ import annotations

import re
from typing import Any

from emulators.salesforce.api import ApiCall, Handler, Reply
from emulators.salesforce.bulk import BulkIngest
from emulators.salesforce.dml import Dml
from emulators.salesforce.errors import SalesforceError, not_found
from emulators.salesforce.metadata import Deployer
from emulators.salesforce.org import Org
from emulators.salesforce.rest_composite import CompositeRoutes
from emulators.salesforce.rest_jobs import JobRoutes
from emulators.salesforce.rest_records import RecordRoutes


class RestApi(RecordRoutes, CompositeRoutes, JobRoutes):
    """The REST surface of one org."""

    def __init__(self, org: Org, dml: Dml, bulk: BulkIngest, deployer: Deployer) -> None:
        self.org, self.dml, self.bulk, self.deployer = org, dml, bulk, deployer
        self.cursors: dict[str, tuple[int, list[dict[str, Any]]]] = {}
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = [
            ("GET", re.compile(r"^$"), self.resources),
            ("GET", re.compile(r"^limits/?$"), self.limits),
            ("GET", re.compile(r"^sobjects/?$"), self.describe_global),
            ("GET", re.compile(r"^sobjects/(?P<obj>\w+)/describe/?$"), self.describe),
            ("GET", re.compile(r"^sobjects/(?P<obj>\w+)/?$"), self.object_info),
            ("POST", re.compile(r"^sobjects/(?P<obj>\w+)/?$"), self.create),
            ("GET", re.compile(r"^sobjects/ContentVersion/(?P<id>\w+)/VersionData$"), self.blob),
            ("GET", re.compile(r"^sobjects/(?P<obj>\w+)/(?P<id>\w{15,18})/?$"), self.retrieve),
            ("PATCH", re.compile(r"^sobjects/(?P<obj>\w+)/(?P<id>\w{15,18})/?$"), self.update),
            ("DELETE", re.compile(r"^sobjects/(?P<obj>\w+)/(?P<id>\w{15,18})/?$"), self.delete),
            (
                "PATCH",
                re.compile(r"^sobjects/(?P<obj>\w+)/(?P<field>\w+)/(?P<value>[^/]+)$"),
                self.upsert,
            ),
            (
                "GET",
                re.compile(r"^sobjects/(?P<obj>\w+)/(?P<field>\w+)/(?P<value>[^/]+)$"),
                self.retrieve_by_external_id,
            ),
            ("GET", re.compile(r"^query/?$"), self.query),
            ("GET", re.compile(r"^queryAll/?$"), self.query_all),
            ("GET", re.compile(r"^query/(?P<cursor>[\w-]+)$"), self.query_more),
            ("POST", re.compile(r"^composite/sobjects/?$"), self.collection_create),
            ("PATCH", re.compile(r"^composite/sobjects/?$"), self.collection_update),
            (
                "PATCH",
                re.compile(r"^composite/sobjects/(?P<obj>\w+)/(?P<field>\w+)/?$"),
                self.collection_upsert,
            ),
            ("DELETE", re.compile(r"^composite/sobjects/?$"), self.collection_delete),
            ("POST", re.compile(r"^composite/?$"), self.composite),
            ("POST", re.compile(r"^jobs/ingest/?$"), self.job_create),
            ("GET", re.compile(r"^jobs/ingest/?$"), self.job_list),
            ("GET", re.compile(r"^jobs/ingest/(?P<id>\w+)/?$"), self.job_info),
            ("PATCH", re.compile(r"^jobs/ingest/(?P<id>\w+)/?$"), self.job_patch),
            ("DELETE", re.compile(r"^jobs/ingest/(?P<id>\w+)/?$"), self.job_delete),
            ("PUT", re.compile(r"^jobs/ingest/(?P<id>\w+)/batches/?$"), self.job_upload),
            (
                "GET",
                re.compile(
                    r"^jobs/ingest/(?P<id>\w+)/(?P<kind>successfulResults|failedResults|"
                    r"unprocessedrecords|unprocessedRecords)/?$"
                ),
                self.job_results,
            ),
            ("POST", re.compile(r"^metadata/deployRequest/?$"), self.deploy),
            ("GET", re.compile(r"^metadata/deployRequest/(?P<id>\w+)/?$"), self.deploy_status),
        ]

    async def dispatch(self, call: ApiCall) -> Reply:
        """Runs the handler for the call's method and path; 404/405 otherwise."""
        allowed = False
        for method, pattern, handler in self.routes:
            match = pattern.match(call.path)
            if match is None:
                continue
            if method == call.method:
                return await handler(call, match)
            allowed = True
        if allowed:
            raise SalesforceError(
                405, "METHOD_NOT_ALLOWED", f"HTTP Method '{call.method}' not allowed"
            )
        raise not_found()
