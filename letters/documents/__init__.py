"""NĐ 30 documents: wording and its markup, building, the DOCX engine and post-processing, template lint."""
