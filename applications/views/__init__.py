"""Views of dossiers: lists, drafting, submission, exchanges."""
