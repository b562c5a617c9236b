"""The classes of one or more schools merged into the school-wide 花名册."""
