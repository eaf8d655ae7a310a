/** The PostgreSQL dialect: the production database. */
package dev.freight.store.postgres;
