"""DOCX templates (docxtpl) that users may open and edit in Word."""
