from django.core.exceptions import ValidationError


def apply_validation_error(form, exc: ValidationError) -> None:
    """Attach a service's ValidationError to a form: field errors where the field exists, else non-field."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    elif getattr(exc, "current", None) is not None:   # portal.concurrency.ConflictError: keep its version
        form.add_error(None, exc)
    else:
        form.add_error(None, exc.messages)
