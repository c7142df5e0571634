from django.urls import path

from . import views

app_name = "attachments"

urlpatterns = [
    path("<int:pk>/", views.download, name="download"),
    path("<int:pk>/view/", views.view, name="view"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("pending/<int:pk>/", views.pending, name="pending"),
]
