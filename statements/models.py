from django.db import models


class Statement(models.Model):
    """One statement experts rate. Its wording is frozen once an answer to it exists."""

    class Wording(models.TextChoices):
        VERBATIM = "verbatim", "Verbatim (quoted from the paper)"
        PROVISIONAL = "provisional", "Provisional (replace before fielding)"

    number = models.PositiveSmallIntegerField(
        unique=True, help_text="The paper's number (Appendix B), ordered by mean agreement."
    )
    questionnaire_position = models.PositiveSmallIntegerField(
        unique=True, help_text="Position in the original questionnaire."
    )
    title = models.CharField(max_length=200)
    text = models.TextField()
    wording = models.CharField(max_length=12, choices=Wording.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(wording__in=["verbatim", "provisional"]),
                name="statement_wording_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def is_provisional(self) -> bool:
        return self.wording == self.Wording.PROVISIONAL


class StatementTranslation(models.Model):
    """A statement's title and text in another language. Frozen, like the original, once an
    expert has answered the statement in that language."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=8)
    title = models.CharField(max_length=200)
    text = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["statement", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "language"], name="statement_translation_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.statement_id} [{self.language}]: {self.title}"
