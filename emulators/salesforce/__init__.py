"""Salesforce Sales Cloud emulator: OAuth, REST, SOQL, Bulk API 2.0 and Metadata deploys."""
