"""The email edition of a revision: HTML with inlined CSS (`edition`), plain text
(`plain_text`), and the public URLs that serve them for live issues (`views`)."""
