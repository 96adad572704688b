"""DOCX and XLSX to PDF through a pool of long-lived LibreOffice workers."""
