"""A local, private reflection companion for essays on interdependence."""

__version__ = "0.1.0"
