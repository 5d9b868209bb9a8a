"""The Gradio advisor view, mounted by the service at ``/ui`` (see `ui.app` for how to mount it)."""
