"""Request and response models (``XCreate``, ``XUpdate``, ``XPublic``) shared by API,
services and CLI. Table rows never leave the service layer as themselves."""
