"""One module per resource family: each builds its requests and decodes its replies over a
:class:`~aiodeploy._session.Session`, with its decoders beside the functions that use them."""
