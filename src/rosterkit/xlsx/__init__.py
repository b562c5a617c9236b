"""How a workbook becomes bytes: xlsxwriter and the fast serializer, the zip-level editor of teachers' own files, the openpyxl fallback, atomic writes."""
