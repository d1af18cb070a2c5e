"""Domain operations: they change the model and never touch the request or a template.

They do not commit: the view commits once at the end of a request.
"""
