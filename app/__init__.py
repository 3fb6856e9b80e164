"""greenlens.app: the `greenlens` CLI (app.cli) and the Streamlit app (app.streamlit_app)."""
