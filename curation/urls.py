from django.contrib import admin
from django.urls import path

from curation import views

app_name = "curation"
wrap = admin.site.admin_view

urlpatterns = [
    path("inbox/", wrap(views.inbox), name="inbox"),
    path("inbox/save/", wrap(views.save), name="save"),
    path("inbox/<int:pk>/add/", wrap(views.add), name="add"),
    path("inbox/<int:pk>/discard/", wrap(views.remove), name="discard"),
    path("featured/", wrap(views.featured_lookup), name="featured"),
]
