"""frist: deadlines and duties of Danish unemployment benefits as code."""
