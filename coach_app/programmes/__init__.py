"""Training programmes: scenarios in the database (authoring, versions) and assignments."""
