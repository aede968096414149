"""outgoing documents: drafts with versions and comments, recipients with their statuses, issue
numbers and notations (agency and unit abbreviations), recalls at both ends, the interchange
outbox for external recipients, signing credentials; the reply drafts become outgoing documents

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 18:03:12
"""
import json

from alembic import op
import sqlalchemy as sa
import engine.db

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('signing_credential',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('reference', sa.JSON(), nullable=False),
    sa.Column('certificate_pem', sa.Text(), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('not_after', engine.db.UtcDateTime(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', engine.db.UtcDateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('pkcs12', 'pkcs11')", name='ck_signing_credential_kind'),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('signing_credential', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signing_credential_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_signing_credential_user_id'), ['user_id'], unique=False)

    op.create_table('incoming_recall',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_at', engine.db.UtcDateTime(), nullable=False),
    sa.Column('sender_reference', sa.String(length=200), nullable=False),
    sa.Column('replacement_id', sa.Integer(), nullable=True),
    sa.Column('answer', sa.String(length=2), nullable=True),
    sa.Column('answer_reason', sa.Text(), nullable=True),
    sa.Column('answered_by', sa.Integer(), nullable=True),
    sa.Column('answered_at', engine.db.UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['document_id'], ['incoming_document.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['replacement_id'], ['incoming_document.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('incoming_recall', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incoming_recall_document_id'), ['document_id'], unique=False)

    op.create_table('outgoing_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('doc_type', sa.String(length=100), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('urgency', sa.String(length=20), server_default='normal', nullable=False),
    sa.Column('reply_by', sa.Date(), nullable=True),
    sa.Column('in_reply_to', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('process_instance_id', sa.Integer(), nullable=True),
    sa.Column('signer_id', sa.Integer(), nullable=True),
    sa.Column('signer_position', sa.String(length=255), nullable=True),
    sa.Column('signed_at', engine.db.UtcDateTime(), nullable=True),
    sa.Column('signed_version_id', sa.Integer(), nullable=True),
    sa.Column('signed_file_id', sa.Integer(), nullable=True),
    sa.Column('register_entry_id', sa.Integer(), nullable=True),
    sa.Column('number', sa.Integer(), nullable=True),
    sa.Column('notation', sa.String(length=100), nullable=True),
    sa.Column('identifier', sa.String(length=150), nullable=True),
    sa.Column('issued_at', engine.db.UtcDateTime(), nullable=True),
    sa.Column('issued_by', sa.Integer(), nullable=True),
    sa.Column('issued_file_id', sa.Integer(), nullable=True),
    sa.Column('business_type', sa.String(length=1), server_default='0', nullable=False),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('frozen_at', engine.db.UtcDateTime(), nullable=True),
    sa.Column('search_text', sa.Text(), server_default='', nullable=False),
    sa.Column('created_at', engine.db.UtcDateTime(), nullable=False),
    sa.Column('updated_at', engine.db.UtcDateTime(), nullable=False),
    sa.Column('row_version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['author_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['in_reply_to'], ['incoming_document.id'], ),
    sa.ForeignKeyConstraint(['issued_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['issued_file_id'], ['attachment.id'], ),
    sa.ForeignKeyConstraint(['signed_file_id'], ['attachment.id'], ),
    sa.ForeignKeyConstraint(['process_instance_id'], ['process_instance.id'], ),
    sa.ForeignKeyConstraint(['register_entry_id'], ['register_entry.id'], ),
    sa.ForeignKeyConstraint(['signer_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['supersedes_id'], ['outgoing_document.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['org_unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('identifier'),
    sa.UniqueConstraint('register_entry_id')
    )
    with op.batch_alter_table('outgoing_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outgoing_document_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outgoing_document_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outgoing_document_in_reply_to'), ['in_reply_to'], unique=False)
        batch_op.create_index(batch_op.f('ix_outgoing_document_issued_at'), ['issued_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outgoing_document_process_instance_id'), ['process_instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outgoing_document_state'), ['state'], unique=False)

    op.create_table('outgoing_recall',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=False),
    sa.Column('requested_at', engine.db.UtcDateTime(), nullable=False),
    sa.Column('replacement_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['outgoing_document.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['replacement_id'], ['outgoing_document.id'], ),
    sa.ForeignKeyConstraint(['requested_by'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outgoing_recall', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outgoing_recall_document_id'), ['document_id'], unique=False)

    op.create_table('outgoing_recipient',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=35), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('paper', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('paper_sent_at', engine.db.UtcDateTime(), nullable=True),
    sa.Column('paper_sent_by', sa.Integer(), nullable=True),
    sa.Column('sent_at', engine.db.UtcDateTime(), nullable=True),
    sa.Column('delivered_document_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=2), nullable=True),
    sa.Column('status_at', engine.db.UtcDateTime(), nullable=True),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('replied_at', engine.db.UtcDateTime(), nullable=True),
    sa.Column('reply_notation', sa.String(length=100), nullable=True),
    sa.Column('reply_identifier', sa.String(length=150), nullable=True),
    sa.Column('recall_status', sa.String(length=2), nullable=True),
    sa.Column('recall_reason', sa.Text(), nullable=True),
    sa.Column('recall_answered_at', engine.db.UtcDateTime(), nullable=True),
    sa.CheckConstraint("kind IN ('agency', 'external', 'unit')", name='ck_outgoing_recipient_kind'),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['delivered_document_id'], ['incoming_document.id'], ),
    sa.ForeignKeyConstraint(['document_id'], ['outgoing_document.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['paper_sent_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['org_unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outgoing_recipient', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outgoing_recipient_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outgoing_recipient_document_id'), ['document_id'], unique=False)

    op.create_table('outgoing_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('pdf_file_id', sa.Integer(), nullable=False),
    sa.Column('source_file_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('uploaded_by', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', engine.db.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['outgoing_document.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pdf_file_id'], ['attachment.id'], ),
    sa.ForeignKeyConstraint(['source_file_id'], ['attachment.id'], ),
    sa.ForeignKeyConstraint(['uploaded_by'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('document_id', 'number', name='uq_outgoing_version_number')
    )
    with op.batch_alter_table('outgoing_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outgoing_version_document_id'), ['document_id'], unique=False)
    with op.batch_alter_table('outgoing_document', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_outgoing_document_signed_version', 'outgoing_version',
                                    ['signed_version_id'], ['id'])

    op.create_table('interchange_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('business_type', sa.String(length=1), nullable=False),
    sa.Column('state', sa.String(length=10), server_default='pending', nullable=False),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.Column('created_at', engine.db.UtcDateTime(), nullable=False),
    sa.Column('sent_at', engine.db.UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['document_id'], ['outgoing_document.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recipient_id'], ['outgoing_recipient.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('interchange_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interchange_message_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interchange_message_document_id'), ['document_id'], unique=False)

    op.create_table('outgoing_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('role', sa.String(length=60), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('at', engine.db.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['document_id'], ['outgoing_document.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['org_unit.id'], ),
    sa.ForeignKeyConstraint(['version_id'], ['outgoing_version.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outgoing_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outgoing_comment_document_id'), ['document_id'], unique=False)

    _drafts_become_documents()
    with op.batch_alter_table('outgoing_draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outgoing_draft_agency_id'))
        batch_op.drop_index(batch_op.f('ix_outgoing_draft_author_id'))
        batch_op.drop_index(batch_op.f('ix_outgoing_draft_in_reply_to'))

    op.drop_table('outgoing_draft')
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.add_column(sa.Column('abbreviation', sa.String(length=30), nullable=True))

    with op.batch_alter_table('incoming_document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', engine.db.UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column('superseded_by_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_incoming_document_withdrawn_at'), ['withdrawn_at'], unique=False)
        batch_op.create_foreign_key('fk_incoming_document_superseded_by_id', 'incoming_document', ['superseded_by_id'], ['id'])

    with op.batch_alter_table('org_unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('abbreviation', sa.String(length=30), nullable=True))



def _drafts_become_documents() -> None:
    """Each reply draft becomes an outgoing document being drafted, same id; its recipients
    (a JSON list of {code, name}) become recipient rows: an agency of this deployment when its
    code is one, else external."""
    bind = op.get_bind()
    agencies = dict(bind.execute(sa.text("SELECT code, id FROM agency")).all())
    drafts = bind.execute(sa.text("SELECT id, agency_id, author_id, subject, doc_type, summary, recipients, "
                                  "in_reply_to, created_at, updated_at FROM outgoing_draft ORDER BY id")).all()
    for d in drafts:
        bind.execute(sa.text(
            "INSERT INTO outgoing_document (id, agency_id, author_id, subject, doc_type, summary, urgency, "
            "in_reply_to, state, business_type, search_text, created_at, updated_at, row_version) VALUES "
            "(:id, :agency_id, :author_id, :subject, :doc_type, :summary, 'normal', :in_reply_to, 'drafting', '0', "
            ":search_text, :created_at, :updated_at, 1)"),
            {"id": d.id, "agency_id": d.agency_id, "author_id": d.author_id, "subject": d.subject,
             "doc_type": d.doc_type, "summary": d.summary, "in_reply_to": d.in_reply_to,
             "search_text": d.subject.lower(), "created_at": d.created_at, "updated_at": d.updated_at})
        recipients = d.recipients if isinstance(d.recipients, list) else json.loads(d.recipients or "[]")
        for position, r in enumerate(recipients, 1):
            agency_id = agencies.get(r.get("code"))
            bind.execute(sa.text(
                "INSERT INTO outgoing_recipient (document_id, position, kind, agency_id, code, name, paper) "
                "VALUES (:document_id, :position, :kind, :agency_id, :code, :name, false)"),
                {"document_id": d.id, "position": position, "kind": "agency" if agency_id else "external",
                 "agency_id": agency_id, "code": r.get("code"), "name": r.get("name") or r.get("code") or "?"})
    if drafts and bind.dialect.name == "postgresql":
        bind.execute(sa.text("SELECT setval(pg_get_serial_sequence('outgoing_document', 'id'), "
                             "(SELECT MAX(id) FROM outgoing_document))"))


def downgrade() -> None:
    with op.batch_alter_table('org_unit', schema=None) as batch_op:
        batch_op.drop_column('abbreviation')

    with op.batch_alter_table('incoming_document', schema=None) as batch_op:
        batch_op.drop_constraint('fk_incoming_document_superseded_by_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_incoming_document_withdrawn_at'))
        batch_op.drop_column('superseded_by_id')
        batch_op.drop_column('withdrawn_at')

    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.drop_column('abbreviation')

    op.create_table('outgoing_draft',
    sa.Column('id', sa.INTEGER(), autoincrement=True, nullable=False),
    sa.Column('agency_id', sa.INTEGER(), autoincrement=False, nullable=False),
    sa.Column('author_id', sa.INTEGER(), autoincrement=False, nullable=False),
    sa.Column('subject', sa.VARCHAR(length=500), autoincrement=False, nullable=False),
    sa.Column('doc_type', sa.VARCHAR(length=100), autoincrement=False, nullable=False),
    sa.Column('summary', sa.TEXT(), autoincrement=False, nullable=True),
    sa.Column('recipients', sa.JSON(), autoincrement=False, nullable=False),
    sa.Column('in_reply_to', sa.INTEGER(), autoincrement=False, nullable=True),
    sa.Column('state', sa.VARCHAR(length=20), autoincrement=False, nullable=False),
    sa.Column('created_at', engine.db.UtcDateTime(), autoincrement=False, nullable=False),
    sa.Column('updated_at', engine.db.UtcDateTime(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('outgoing_draft_agency_id_fkey')),
    sa.ForeignKeyConstraint(['author_id'], ['app_user.id'], name=op.f('outgoing_draft_author_id_fkey')),
    sa.ForeignKeyConstraint(['in_reply_to'], ['incoming_document.id'], name=op.f('outgoing_draft_in_reply_to_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('outgoing_draft_pkey'))
    )
    with op.batch_alter_table('outgoing_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outgoing_draft_in_reply_to'), ['in_reply_to'], unique=False)
        batch_op.create_index(batch_op.f('ix_outgoing_draft_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outgoing_draft_agency_id'), ['agency_id'], unique=False)

    with op.batch_alter_table('outgoing_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outgoing_comment_document_id'))

    op.drop_table('outgoing_comment')
    with op.batch_alter_table('outgoing_document', schema=None) as batch_op:
        batch_op.drop_constraint('fk_outgoing_document_signed_version', type_='foreignkey')
    with op.batch_alter_table('interchange_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interchange_message_document_id'))
        batch_op.drop_index(batch_op.f('ix_interchange_message_agency_id'))

    op.drop_table('interchange_message')
    with op.batch_alter_table('outgoing_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outgoing_version_document_id'))

    op.drop_table('outgoing_version')
    with op.batch_alter_table('outgoing_recipient', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outgoing_recipient_document_id'))
        batch_op.drop_index(batch_op.f('ix_outgoing_recipient_agency_id'))

    op.drop_table('outgoing_recipient')
    with op.batch_alter_table('outgoing_recall', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outgoing_recall_document_id'))

    op.drop_table('outgoing_recall')
    with op.batch_alter_table('outgoing_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outgoing_document_state'))
        batch_op.drop_index(batch_op.f('ix_outgoing_document_process_instance_id'))
        batch_op.drop_index(batch_op.f('ix_outgoing_document_issued_at'))
        batch_op.drop_index(batch_op.f('ix_outgoing_document_in_reply_to'))
        batch_op.drop_index(batch_op.f('ix_outgoing_document_author_id'))
        batch_op.drop_index(batch_op.f('ix_outgoing_document_agency_id'))

    op.drop_table('outgoing_document')
    with op.batch_alter_table('incoming_recall', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incoming_recall_document_id'))

    op.drop_table('incoming_recall')
    with op.batch_alter_table('signing_credential', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signing_credential_user_id'))
        batch_op.drop_index(batch_op.f('ix_signing_credential_agency_id'))

    op.drop_table('signing_credential')
