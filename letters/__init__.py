"""vanban: campaign documents for the DTI assessment, formatted to Nghị định 30/2020/NĐ-CP."""

__version__ = "0.1.0"
