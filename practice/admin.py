from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import models

for model in (models.Brand, models.BrandRecognition, models.BrandSelectionRound, models.VanguardPost,
              models.StudyRecord, models.KnowledgeContest, models.StudyPlan, models.TrainingCourse,
              models.ContactPoint, models.ContactVisit, models.ContactVisitRule, models.ContactFinding,
              models.Honour, models.Notice, models.Attachment):
    admin.site.register(model, SimpleHistoryAdmin)
