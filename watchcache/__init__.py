"""watchcache"""
