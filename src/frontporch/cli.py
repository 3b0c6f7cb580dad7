"""The one `frontporch` command."""

import typer

app = typer.Typer(help="Frontporch: home security cameras that answer to their owners.")


@app.command()
def version() -> None:
    """Print the version."""
    from frontporch import __version__

    typer.echo(__version__)
