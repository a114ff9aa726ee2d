"""Hand-over of certifications to wallet apps: OpenID4VCI and VC-API exchanges, holder copies."""
