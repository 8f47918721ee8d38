"""Finding the writing, stages 1-5: the photo as a grey page at a working resolution
(:mod:`.photo`), which pixels are ink (:mod:`.ink`), the sheet on its desk (:mod:`.sheet`), the
rulings taken out (:mod:`.rules`), and the ink components that are character candidates
(:mod:`.components`)."""
