"""One returned workbook read and judged: sniffing, reading, cleaning, the template-derived schema, the cross-checks, and the batch that runs them over an inbox."""
