"""iHospital front-end gateway (前置机)."""

__version__ = "18.0.1.0.0"
