"""SQLAlchemy tables, repositories and migrations. Every query takes the organisation."""
