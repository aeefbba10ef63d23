"""Numbered, immutable enforcement documents (执法文书) rendered as PDF and DOCX."""
