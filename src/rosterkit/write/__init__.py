"""Output writers: the annotated copy handed back to each teacher and the coordinator's summary workbook."""
