"""OData v4 pieces the Web API uses: $filter expressions, key segments and URL paths."""
