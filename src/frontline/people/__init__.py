"""The person registry: foreign residents, lodgers, teachers and students, their documents."""
