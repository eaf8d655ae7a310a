/**
 * The HTTP faces: the Import API, Import Reports, objects, records and keys, plus API-key authentication and the one
 * mapper from exceptions to the JSON error body. The only package (with app and web) that knows Spring.
 */
package dev.freight.api;
