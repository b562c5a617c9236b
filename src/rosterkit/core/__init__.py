"""Values every layer reads the same way: the official template, labels, IDs, dates, phones, words, masking and order. No I/O engines."""
