"""The tables, one module per domain, beneath every service: any service reads any table without
climbing above itself (SQLModel classes; the rules stay in the services)."""
