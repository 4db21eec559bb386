from django.contrib import admin

from .models import Delivery, Message


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    readonly_fields = ["channel", "state", "attempts", "next_attempt_at", "last_error", "sent_at"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "kind", "urgency", "created", "read_at"]
    list_filter = ["kind", "urgency"]
    search_fields = ["title", "recipient__username"]
    raw_id_fields = ["recipient"]
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["message", "channel", "state", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["state", "channel"]
    readonly_fields = ["message"]
