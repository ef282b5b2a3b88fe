"""Moving in from WordPress and out again: the WXR reader, content conversion, import, links and export."""
