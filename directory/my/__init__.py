"""The personal "my" page (`/my`): it composes the user's record, inbox and workflows from the other areas."""
