from django.contrib import admin

from .models import Attachment


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "kind", "organization", "mime_type", "size", "uploaded_at"]
    list_filter = ["kind", "mime_type"]
    search_fields = ["original_name", "sha256"]
    raw_id_fields = ["organization", "uploaded_by"]
    readonly_fields = ["sha256", "size", "mime_type", "extension", "uploaded_at"]
