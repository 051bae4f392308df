"""The portal's pages, one module per kind of person: office, owner (data owners), unit, public."""
