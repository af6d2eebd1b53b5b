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
