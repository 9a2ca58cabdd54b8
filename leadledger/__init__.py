"""leadledger: every lead accounted for, from first touch to revenue."""

__version__ = "0.1.0"
