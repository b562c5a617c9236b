"""The workbooks rosterkit hands out, one module each: what each sheet holds."""
