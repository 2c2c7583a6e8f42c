"""The multilingual document center: templates, translations and their review, rendering."""
