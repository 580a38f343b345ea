from django.urls import path

from newsletter import views

app_name = "newsletter"

urlpatterns = [
    path("", views.home, name="home"),
    path("issues/", views.archive, name="archive"),
    path("issues/<int:number>/", views.issue_detail, name="issue-short"),
    path("issues/<int:number>-<str:slug>/", views.issue_detail, name="issue-detail"),
]
