"""What readers get: public pages, feeds, sitemap and search, and how they are cached.

Everything here reads live revisions only, through `Revision.objects.live_issues()`.
"""
