"""finmodel: financial sustainability model for operators of renovated old residential communities."""

__version__ = "0.1.0"
