"""The site's URLs with media served by Django, as DJANGO_SERVE_MEDIA does on one host."""

from django.urls import re_path

from config.urls import urlpatterns as site
from newsletter.reader import media

urlpatterns = [re_path(r"^media/(?P<path>.+)$", media.serve), *site]
