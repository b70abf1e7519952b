"""Documents: PDF pages with the fonts the package finds (letters, a pupil's file, a copy of
a family's data) and calendar files. Built from records and a Translator; no storage."""
