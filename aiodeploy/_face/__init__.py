"""The public methods of :class:`~aiodeploy.AsyncDeploymentClient`, one mixin per resource
family: each method checks its arguments, documents itself, and calls its resource module
under :mod:`aiodeploy._api`."""
