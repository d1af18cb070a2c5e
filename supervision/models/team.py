from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supervision.extensions import db

if TYPE_CHECKING:
    from supervision.models.user import User


class Team(db.Model):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    caseload_limit: Mapped[int] = mapped_column(default=17)

    members: Mapped[list[User]] = relationship(back_populates="team", order_by="User.name")

    def __repr__(self) -> str:
        return f"<Team {self.id}>"
