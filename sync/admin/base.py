"""What the sync engine's admin screens share."""

from prestapicqer.display import PlainNamesAdmin


class ReadOnlyAdmin(PlainNamesAdmin):
    """Rows the engine writes: the admin views and deletes them, never adds or edits."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class InternalAdmin(ReadOnlyAdmin):
    """The engine's own bookkeeping (loop guard, poll cursors, heartbeats): shown to
    superusers only; operators read the activity log, order links and sync runs."""

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

